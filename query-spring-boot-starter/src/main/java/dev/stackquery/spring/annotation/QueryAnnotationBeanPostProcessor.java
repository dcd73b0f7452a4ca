package dev.stackquery.spring.annotation;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Objects;

import dev.stackquery.QueryClient;

import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Proxies beans that have {@code @CachedQuery} or {@code @InvalidatesQueries} methods. Every annotated method is
 * read when its bean is created, so a wrong expression, duration or return type fails startup with the method's
 * name. A bean that is already a Spring AOP proxy (e.g. for {@code @Transactional}) gets our advisor first in its
 * chain instead of a second proxy; other beans get a class-based proxy, or an interface-based one when their class
 * is final.
 */
public final class QueryAnnotationBeanPostProcessor
        implements BeanPostProcessor, BeanFactoryAware, EnvironmentAware, BeanClassLoaderAware, Ordered {

    private @Nullable BeanFactory beanFactory;
    private @Nullable Environment environment;
    private @Nullable ClassLoader classLoader = ClassUtils.getDefaultClassLoader();
    private volatile @Nullable QueryClient client;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        if (bean instanceof AopInfrastructureBean || bean instanceof QueryClient) {
            return bean;
        }
        Class<?> targetClass = AopUtils.getTargetClass(bean);
        Environment properties = Objects.requireNonNull(environment, "environment");
        Map<Method, QueryMethod> methods = MethodIntrospector.selectMethods(targetClass,
                (MethodIntrospector.MetadataLookup<QueryMethod>) method -> QueryMethod.of(method, beanName,
                        properties));
        if (methods.isEmpty()) {
            return bean;
        }
        for (QueryMethod method : methods.values()) {
            if (!Modifier.isPublic(method.method.getModifiers())) {
                throw new IllegalStateException("@CachedQuery/@InvalidatesQueries on " + method.name
                        + " in bean '" + beanName + "': the method must be public, as calls reach it through a proxy");
            }
        }
        QueryMethodInterceptor interceptor = new QueryMethodInterceptor(this::client, targetClass, methods);
        DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(new StaticMethodMatcherPointcut() {
            @Override
            public boolean matches(Method method, Class<?> type) {
                return interceptor.describe(method) != null;
            }
        }, interceptor);
        if (bean instanceof Advised advised && AopUtils.isAopProxy(bean)) {
            if (advised.isFrozen()) {
                throw new IllegalStateException("bean '" + beanName + "' has @CachedQuery/@InvalidatesQueries "
                        + "methods but is a frozen AOP proxy, which cannot take one more advisor");
            }
            // First, as Spring's @Async does: the cache answers before transactions or security advice run, and
            // those run around the method on each actual call.
            advised.addAdvisor(0, advisor);
            return bean;
        }
        ProxyFactory factory = new ProxyFactory(bean);
        if (Modifier.isFinal(targetClass.getModifiers())) {
            Class<?>[] interfaces = ClassUtils.getAllInterfacesForClass(targetClass, classLoader);
            if (interfaces.length == 0) {
                throw new IllegalStateException("bean '" + beanName + "' (" + targetClass.getName() + ") has "
                        + "@CachedQuery/@InvalidatesQueries methods but is a final class without interfaces: it "
                        + "cannot be proxied");
            }
            factory.setInterfaces(interfaces);
        } else {
            factory.setProxyTargetClass(true);
        }
        factory.addAdvisor(advisor);
        return factory.getProxy(classLoader);
    }

    private QueryClient client() {
        QueryClient current = client;
        if (current == null) {
            current = Objects.requireNonNull(beanFactory, "beanFactory").getBean(QueryClient.class);
            client = current;
        }
        return current;
    }
}
